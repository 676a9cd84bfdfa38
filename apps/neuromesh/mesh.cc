// neuromesh mesh wire encode KIND 'JSON'   prints the wire bytes as hex
// neuromesh mesh wire decode KIND HEX      prints the fields as JSON (decode→encode = same bytes)
// neuromesh mesh keygen --out FILE          writes a fresh seed (0600); prints node_id, public key
#include "command.h"
#include "mesh_command.h"
#include "neuromesh/mesh/identity.h"
#include "neuromesh/mesh/wire_json.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <string>

namespace neuromesh::cli {

CLI::App& mesh_command(CLI::App& root) {
  for (auto* sub : root.get_subcommands({}))
    if (sub->get_name() == "mesh") return *sub;
  auto* mesh = root.add_subcommand("mesh", "Net's encrypted mesh: wire codecs, keys, streams");
  mesh->require_subcommand(1);
  return *mesh;
}

}  // namespace neuromesh::cli

namespace {

using namespace neuromesh;

struct wire_options {
  std::string kind, input;
};

void run_wire(bool encode, const wire_options& o) {
  if (encode) {
    auto b = mesh::wire_encode(o.kind, o.input);
    if (!b) {
      std::cerr << "neuromesh mesh wire encode: " << b.error().what() << "\n";
      cli::set_exit_code(1);
      return;
    }
    std::cout << mesh::to_hex(*b) << "\n";
    return;
  }
  std::string_view hex = o.input;
  if (hex.starts_with("0x")) hex.remove_prefix(2);
  auto b = mesh::from_hex(hex);
  if (!b) {
    std::cerr << "neuromesh mesh wire decode: HEX: not an even-length hex string\n";
    cli::set_exit_code(2);
    return;
  }
  auto text = mesh::wire_decode(o.kind, *b);
  if (!text) {
    std::cerr << "neuromesh mesh wire decode: " << text.error().what() << "\n";
    cli::set_exit_code(1);
    return;
  }
  std::cout << *text << "\n";
}

void run_keygen(const std::string& out) {
  auto id = mesh::identity::generate();
  if (auto r = id.save(out); !r) {
    std::cerr << "neuromesh mesh keygen: " << r.error().what() << "\n";
    cli::set_exit_code(1);
    return;
  }
  std::cout << "node_id " << fmt::format("0x{:016x}", id.node_id()) << "\n"
            << "public_key " << mesh::to_hex(id.public_key_bytes()) << "\n";
}

void add_mesh(CLI::App& root) {
  auto& mesh = cli::mesh_command(root);
  auto* wire = mesh.add_subcommand("wire", "Encode or decode Net's fixed wire layouts");
  wire->require_subcommand(1);
  for (bool encode : {true, false}) {
    auto o = std::make_shared<wire_options>();
    auto* sub = wire->add_subcommand(encode ? "encode" : "decode",
                                     encode ? "JSON fields -> hex" : "hex -> JSON fields");
    sub->add_option("KIND", o->kind,
                    "net_header | routing_header | event_frame | stream_window | token")
        ->required();
    sub->add_option(encode ? "JSON" : "HEX", o->input, encode ? "the fields" : "the bytes")
        ->required();
    sub->callback([o, encode] { run_wire(encode, *o); });
  }
  auto out = std::make_shared<std::string>();
  auto* keygen = mesh.add_subcommand("keygen", "Write a new ed25519 seed (mode 0600)");
  keygen->add_option("--out", *out, "seed file to write")->required();
  keygen->callback([out] { run_keygen(*out); });
}

const cli::registrar reg{"mesh", 70, add_mesh};

}  // namespace

// neuromesh effector serve calculator|files: hosts one shipped Effector as its own process
// (REGISTER role "effector"; prints READY <effector_id> once registered).
#include "command.h"
#include "engram_cli.h"
#include "neuromesh/runtime/effector_calculator.h"
#include "neuromesh/runtime/effector_files.h"

#include <cstdio>
#include <memory>
#include <string>

namespace {

struct effector_args {
  std::string which;
  std::string url;
  std::string ns = "dev";
  std::string root = ".";
  std::string id;
};

void add_effector(CLI::App& root) {
  auto* cmd = root.add_subcommand("effector", "Tools on the mesh (TOOL_CALL -> TOOL_RESULT)");
  cmd->require_subcommand(1);
  auto a = std::make_shared<effector_args>();
  auto* serve = cmd->add_subcommand("serve", "Host a shipped Effector until Ctrl-C");
  serve
      ->add_option("effector", a->which,
                   "calculator (add, sub, mul, div) or files (read, "
                   "list, stat under --root)")
      ->required()
      ->check(CLI::IsMember({"calculator", "files"}));
  serve->add_option("--url", a->url, "Synapse URL: cosmo://host:port or nats://host:port")
      ->required();
  serve->add_option("-n,--namespace", a->ns, "Namespace")->capture_default_str();
  serve->add_option("--root", a->root, "files: the folder it may read")->capture_default_str();
  serve->add_option("--id", a->id, "effector_id (default: the effector's name)");
  serve->callback([a] {
    std::shared_ptr<neuromesh::runtime::effector> fx;
    const std::string id = a->id.empty() ? a->which : a->id;
    try {
      if (a->which == "calculator")
        fx = std::make_shared<neuromesh::runtime::calculator_effector>(id);
      else
        fx = std::make_shared<neuromesh::runtime::files_effector>(a->root, id);
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "effector serve: %s\n", e.what());
      return neuromesh::cli::set_exit_code(2);
    }
    neuromesh::cli::set_exit_code(
        neuromesh::cli::serve_until_signal("effector serve", a->url, a->ns, nullptr, fx));
  });
}

const neuromesh::cli::registrar reg{"effector", 71, add_effector};

}  // namespace

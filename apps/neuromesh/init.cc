// neuromesh init [DIR] [-n NAMESPACE] [--force]
//
// Scaffolds a C++ agent project the way the reference's `cosmo init` scaffolds a Python one
// (reference/cosmonapse.md §8): a CMake project that uses the installed SDK through
// find_package(neuromesh), one example Neuron with its test, Engram and Effector binding
// examples and a main.cc that runs on an in-process MemorySynapse (or on the Synapse named by
// NEUROMESH_URL). Refuses a directory that already holds files unless --force.
#include "command.h"
#include "scaffold.h"

#include <filesystem>
#include <fstream>
#include <iostream>

namespace {

using namespace neuromesh;
namespace fs = std::filesystem;

struct init_options {
  std::string dir = "neuromesh-agent";
  std::string ns = "demo";
  bool force = false;
};

/// A project name CMake accepts, from the folder's name.
std::string project_name(const fs::path& dir) {
  std::string name;
  for (char c : fs::absolute(dir).lexically_normal().filename().string())
    name += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') ? c : '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "agent_" + name;
  return name;
}

int run_init(const init_options& o) {
  const fs::path dir = o.dir;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    std::cerr << "neuromesh init: " << dir.string() << " exists and is not a directory\n";
    return 1;
  }
  if (fs::is_directory(dir, ec) && !fs::is_empty(dir, ec) && !o.force) {
    std::cerr << "neuromesh init: " << dir.string()
              << " is not empty (use --force to write the scaffold into it anyway)\n";
    return 1;
  }
  for (char c : o.ns)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
      std::cerr << "neuromesh init: namespace '" << o.ns
                << "' may hold only letters, digits, '_' and '-'\n";
      return 1;
    }
  const std::string name = project_name(dir);
  for (const auto& file : cli::scaffold_files(name, o.ns)) {
    const fs::path path = dir / file.path;
    fs::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << file.text;
    if (!out) {
      std::cerr << "neuromesh init: cannot write " << path.string() << "\n";
      return 1;
    }
    std::cout << "  created " << path.string() << "\n";
  }
  std::cout << "\nA neuromesh agent project '" << name << "' (namespace " << o.ns << ") is in "
            << dir.string() << ". Next:\n"
            << "  cmake -S " << dir.string() << " -B " << (dir / "build").string()
            << " && cmake --build " << (dir / "build").string() << "\n"
            << "  " << (dir / "build" / name).string()
            << "          # runs in-process; NEUROMESH_URL=cosmo://127.0.0.1:7070 joins a mesh\n";
  return 0;
}

void add_init(CLI::App& root) {
  auto o = std::make_shared<init_options>();
  auto* cmd = root.add_subcommand("init", "Scaffold a C++ agent project that uses the SDK");
  cmd->add_option("dir", o->dir, "Folder to create")->capture_default_str();
  cmd->add_option("-n,--namespace", o->ns, "Namespace the agents join")->capture_default_str();
  cmd->add_flag("--force", o->force, "Write into a folder that is not empty");
  cmd->callback([o] { cli::set_exit_code(run_init(*o)); });
}

const cli::registrar reg{"init", 5, add_init};

}  // namespace

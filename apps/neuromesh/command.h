#pragma once
// Each subcommand lives in its own file and registers itself here at static-initialisation
// time, so main.cc only dispatches and adding a command touches no shared file.
//
//   namespace { const neuromesh::cli::registrar reg{"validate", 10, add_validate}; }

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace neuromesh::cli {

/// Adds a subcommand (and its callback) to the root app.
using command_factory = std::function<void(CLI::App& root)>;

struct registrar {
  /// order sorts the commands in --help.
  registrar(std::string name, int order, command_factory factory);
};

/// Builds every registered subcommand into root.
void add_all_commands(CLI::App& root);

/// Exit code a subcommand callback asks main to return (callbacks cannot return values).
void set_exit_code(int code);
int exit_code();

}  // namespace neuromesh::cli

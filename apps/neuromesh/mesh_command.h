#pragma once
// The `neuromesh mesh` subcommand, shared by the files that add `mesh <verb>` (mesh.cc: wire,
// keygen; mesh_stream.cc: recv, send). Whichever registrar runs first creates it.

#include <CLI/CLI.hpp>

namespace neuromesh::cli {

/// The existing `mesh` subcommand of root, or a new one.
CLI::App& mesh_command(CLI::App& root);

}  // namespace neuromesh::cli

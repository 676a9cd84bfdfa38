#pragma once
// The top-level `neuromesh catalog` subcommand, shared by every file that adds a
// `catalog <verb>` (catalog.cc: `announce`, `tools`; registry_serve.cc: `serve`).
// Whichever file's registrar runs first creates it; the others get the same one.

#include <CLI/CLI.hpp>

namespace neuromesh::cli {

/// The existing `catalog` subcommand of root, or a new one.
CLI::App& catalog_command(CLI::App& root);

}  // namespace neuromesh::cli

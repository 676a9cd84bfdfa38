#pragma once
// The top-level `neuromesh registry` subcommand, shared by every file that adds a
// `registry <verb>` (registry.cc: `neurons`; the catalog's `serve`). Whichever file's
// registrar runs first creates it; the others get the same one.

#include <CLI/CLI.hpp>

namespace neuromesh::cli {

/// The existing `registry` subcommand of root, or a new one.
CLI::App& registry_command(CLI::App& root);

}  // namespace neuromesh::cli

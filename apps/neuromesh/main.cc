// neuromesh: the command-line program. Wiring only; each subcommand is its own file.
#include "command.h"
#include "version.h"

int main(int argc, char** argv) {
  CLI::App app{
      "neuromesh — a native agent mesh (Cosmonapse wire protocol, runspec catalog, Net bus)"};
  app.set_version_flag("--version", std::string("neuromesh ") + neuromesh::version);
  app.require_subcommand(1);
  neuromesh::cli::add_all_commands(app);
  CLI11_PARSE(app, argc, argv);
  return neuromesh::cli::exit_code();
}

// neuromesh: the command-line program. Wiring only; each subcommand is its own file.
#include "command.h"
#include "version.h"

#include <cstdio>
#include <string>

namespace {

// Follows the leading words of argv down the command tree. When a command that needs a
// subcommand meets a word that is none of its subcommands, says which word and lists the
// commands, as git and nats do (CLI11 alone answers "A subcommand is required"). Returns
// false then.
bool check_command_words(const CLI::App& root, int argc, char** argv) {
  const CLI::App* app = &root;
  std::string path = root.get_name().empty() ? "neuromesh" : root.get_name();
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') return true;  // options are CLI11's to judge
    auto subs = app->get_subcommands([](const CLI::App*) { return true; });
    if (subs.empty()) return true;
    const CLI::App* next = nullptr;
    for (const auto* s : subs) {
      if (s->check_name(word)) next = s;
    }
    if (next) {
      app = next;
      path += " " + word;
      continue;
    }
    // A command with positionals of its own may take this word as an argument.
    if (app->get_require_subcommand_min() == 0 &&
        !app->get_options([](const CLI::Option* o) { return !o->nonpositional(); }).empty()) {
      return true;
    }
    std::fprintf(stderr, "%s: '%s' is not a %s command. See '%s --help'.\n\nCommands:\n",
                 path.c_str(), word.c_str(), path.c_str(), path.c_str());
    for (const auto* s : subs) {
      std::fprintf(stderr, "  %-12s %s\n", s->get_name().c_str(), s->get_description().c_str());
    }
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "neuromesh — a native agent mesh (Cosmonapse wire protocol, runspec catalog, Net bus)",
      "neuromesh"};
  app.set_version_flag("--version", std::string("neuromesh ") + neuromesh::version);
  app.require_subcommand(1);
  neuromesh::cli::add_all_commands(app);
  if (!check_command_words(app, argc, argv)) return 1;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // One line naming what was wrong (CLI11 alone adds a second line and exits 109).
    std::fprintf(stderr, "neuromesh: %s (see --help)\n", e.what());
    return 2;
  }
  return neuromesh::cli::exit_code();
}

#include "command.h"

#include <algorithm>
#include <map>
#include <vector>

namespace neuromesh::cli {
namespace {

struct entry {
  std::string name;
  int order;
  command_factory factory;
};

std::vector<entry>& entries() {
  static std::vector<entry> all;
  return all;
}

int exit_code_ = 0;

// Root --help groups commands as the reference CLI does (build, run, observe, shell).
std::string group_of(const std::string& name) {
  static const std::map<std::string, std::string> groups{
      {"init", "Build"},    {"signal", "Build"},     {"schema", "Build"},
      {"tail", "Observe"},  {"registry", "Observe"}, {"validate", "Observe"},
      {"bench", "Observe"}, {"completion", "Shell"},
  };
  auto it = groups.find(name);
  return it == groups.end() ? "Run" : it->second;
}

}  // namespace

registrar::registrar(std::string name, int order, command_factory factory) {
  entries().push_back({std::move(name), order, std::move(factory)});
}

void add_all_commands(CLI::App& root) {
  auto& all = entries();
  std::stable_sort(all.begin(), all.end(),
                   [](const entry& a, const entry& b) { return a.order < b.order; });
  for (auto& e : all) e.factory(root);
  for (CLI::App* sub : root.get_subcommands([](const CLI::App*) { return true; }))
    sub->group(group_of(sub->get_name()));
}

void set_exit_code(int code) { exit_code_ = std::max(exit_code_, code); }
int exit_code() { return exit_code_; }

}  // namespace neuromesh::cli

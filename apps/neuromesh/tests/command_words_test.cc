// The program's answer to a command word it does not know (apps/neuromesh/main.cc): it names
// the word and lists the commands, at the top level and under a command group; a flag it does
// not know or a bad value is one line naming it.
#include "cli_run.h"

#include <algorithm>

namespace neuromesh::cli::test {
namespace {

TEST(command_words, an_unknown_command_is_named_and_the_commands_are_listed) {
  auto r = run("frobnicate --x 1");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(
      r.err.find("neuromesh: 'frobnicate' is not a neuromesh command. See 'neuromesh --help'."),
      std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("A subcommand is required"), std::string::npos) << r.err;
  for (std::string cmd : {"validate", "signal", "bench", "bus"}) {
    EXPECT_NE(r.err.find("\n  " + cmd + " "), std::string::npos) << cmd << " missing in\n" << r.err;
  }
}

TEST(command_words, an_unknown_subcommand_of_a_group_names_the_group) {
  auto r = run("bus frobnicate");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("neuromesh bus: 'frobnicate' is not a neuromesh bus command."),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("\n  emit "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\n  poll "), std::string::npos) << r.err;
}

TEST(command_words, known_commands_and_a_missing_command_still_go_to_the_parser) {
  EXPECT_EQ(run("bus --help").code, 0);
  auto none = run("");
  EXPECT_NE(none.code, 0);
  EXPECT_NE(none.err.find("A subcommand is required"), std::string::npos) << none.err;
  auto r = run("validate -", "");
  EXPECT_EQ(r.err.find("is not a neuromesh command"), std::string::npos) << r.err;
}

TEST(command_words, an_unknown_flag_or_a_bad_value_is_one_line_naming_it) {
  auto flag = run("up --bogus");
  EXPECT_EQ(flag.code, 2);
  EXPECT_EQ(flag.err, "neuromesh: The following argument was not expected: --bogus (see --help)\n");
  auto value = run("demo --count x");
  EXPECT_EQ(value.code, 2);
  EXPECT_EQ(std::count(value.err.begin(), value.err.end(), '\n'), 1) << value.err;
  EXPECT_NE(value.err.find("--count"), std::string::npos) << value.err;
  EXPECT_NE(value.err.find("x"), std::string::npos) << value.err;
}

}  // namespace
}  // namespace neuromesh::cli::test

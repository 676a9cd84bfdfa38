#include "neuromesh/protocol/subject.h"

#include <gtest/gtest.h>

namespace neuromesh::protocol {
namespace {

signal task_with(std::optional<directed> d, std::string_view payload) {
  signal s;
  s.type = signal_type::task;
  s.directed = std::move(d);
  s.payload = *raw_object::parse(payload);
  return s;
}

TEST(subject, types_map_to_cosmonapse_namespace_type) {
  EXPECT_EQ(subject_for("prod", signal_type::task), "cosmonapse.prod.TASK");
  EXPECT_EQ(subject_for("dev", signal_type::agent_output), "cosmonapse.dev.AGENT_OUTPUT");
  EXPECT_EQ(namespace_wildcard("dev"), "cosmonapse.dev.>");
}

TEST(subject, capability_routed_tasks_go_to_task_routed) {
  EXPECT_EQ(subject_for("d", task_with(std::nullopt, R"({"input":{},"capabilities":["a"]})")),
            "cosmonapse.d.TASK.routed");
  EXPECT_EQ(subject_for("d", task_with(directed{.id = "", .type = {}, .capabilities = {}},
                                       R"({"capabilities":["a"]})")),
            "cosmonapse.d.TASK.routed");
  // Addressed TASKs and open calls stay on the plain subject.
  EXPECT_EQ(subject_for("d", task_with(directed{.id = "n1", .type = {}, .capabilities = {}},
                                       R"({"capabilities":["a"]})")),
            "cosmonapse.d.TASK");
  EXPECT_EQ(subject_for("d", task_with(std::nullopt, R"({"input":{},"capabilities":[]})")),
            "cosmonapse.d.TASK");
  EXPECT_EQ(subject_for("d", task_with(std::nullopt, R"({"input":{}})")), "cosmonapse.d.TASK");
  auto offer = task_with(std::nullopt, R"({"capabilities":["a"]})");
  offer.type = signal_type::task_offer;
  EXPECT_EQ(subject_for("d", offer), "cosmonapse.d.TASK_OFFER");
}

TEST(subject, wildcard_truth_table_matches_the_reference_matcher) {
  struct row {
    std::string_view pattern, subject;
    bool match;
  };
  const row rows[] = {
      {"cosmonapse.dev.TASK", "cosmonapse.dev.TASK", true},
      {"cosmonapse.dev.TASK", "cosmonapse.dev.FINAL", false},
      {"cosmonapse.dev.>", "cosmonapse.dev.TASK", true},
      {"cosmonapse.dev.>", "cosmonapse.dev.TASK.routed", true},
      {"cosmonapse.dev.>", "cosmonapse.dev", false},
      {"cosmonapse.>", "cosmonapse", false},
      {">", "a", true},
      {">", "a.b.c", true},
      {"*", "a", true},
      {"*", "a.b", false},
      {"cosmonapse.*.TASK", "cosmonapse.dev.TASK", true},
      {"cosmonapse.*.TASK", "cosmonapse.dev.TASK.routed", false},
      {"cosmonapse.*.TASK", "cosmonapse.TASK", false},
      {"cosmonapse.dev.*", "cosmonapse.dev.TASK", true},
      {"cosmonapse.dev.*", "cosmonapse.dev", false},
      {"cosmonapse.dev.*.routed", "cosmonapse.dev.TASK.routed", true},
      {"*.*", "a.b", true},
      {"a.>.c", "a.b", true},  // `>` ends the walk, as in the reference
      {"a.b", "a.b.c", false},
      {"a.b.c", "a.b", false},
      {"", "", true},
      {"*", "", true},      // "".split(".") is one empty token
      {"a.*", "a.", true},  // empty trailing token
      {"a..b", "a..b", true},
      {"a.*.b", "a..b", true},
      {"A.b", "a.b", false},  // case-sensitive
  };
  for (const auto& r : rows)
    EXPECT_EQ(subject_matches(r.pattern, r.subject), r.match) << r.pattern << " vs " << r.subject;
}

TEST(subject, queue_group_is_sorted_unique_caps) {
  std::vector<std::string> caps = {"summarize", "english", "summarize", "b"};
  EXPECT_EQ(queue_group_for(caps), "caps:b,english,summarize");
  EXPECT_EQ(queue_group_for({}), "caps:");
}

}  // namespace
}  // namespace neuromesh::protocol

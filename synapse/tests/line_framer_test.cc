#include "line_framer.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace neuromesh::synapse::detail {
namespace {

struct collected {
  std::vector<std::string> lines;
  int too_long = 0;
};

collected feed_all(line_framer& f, const std::vector<std::string>& chunks) {
  collected c;
  for (const auto& ch : chunks)
    f.feed(
        ch, [&](std::string_view l) { c.lines.emplace_back(l); }, [&] { ++c.too_long; });
  return c;
}

TEST(line_framer, splits_lines_across_chunks) {
  line_framer f(100);
  auto c = feed_all(f, {"ab", "c\nde", "f\n\ng", "h\n"});
  EXPECT_EQ(c.lines, (std::vector<std::string>{"abc", "def", "", "gh"}));
  EXPECT_EQ(f.pending(), 0u);
}

TEST(line_framer, skips_an_oversized_line_and_keeps_going) {
  line_framer f(4);
  auto c = feed_all(f, {"12345", "678\nok\n", "toolong\nyes\n"});
  EXPECT_EQ(c.lines, (std::vector<std::string>{"ok", "yes"}));
  EXPECT_EQ(c.too_long, 2);
}

TEST(line_framer, a_line_of_exactly_the_limit_passes) {
  line_framer f(4);
  auto c = feed_all(f, {"1234\n12", "34\n"});
  EXPECT_EQ(c.lines, (std::vector<std::string>{"1234", "1234"}));
  EXPECT_EQ(c.too_long, 0);
}

// Randomised: any chunking of a stream gives the same lines as one feed.
TEST(line_framer, chunking_never_changes_the_result) {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::string stream;
    int n = static_cast<int>(rng() % 20);
    for (int i = 0; i < n; ++i) {
      stream.append(rng() % 12, static_cast<char>('a' + rng() % 26));
      stream += '\n';
    }
    line_framer whole(8);
    auto expect = feed_all(whole, {stream});
    line_framer parts(8);
    std::vector<std::string> chunks;
    for (std::size_t i = 0; i < stream.size();) {
      std::size_t len = 1 + rng() % 7;
      chunks.push_back(stream.substr(i, len));
      i += len;
    }
    auto got = feed_all(parts, chunks);
    EXPECT_EQ(got.lines, expect.lines);
    EXPECT_EQ(got.too_long, expect.too_long);
  }
}

}  // namespace
}  // namespace neuromesh::synapse::detail

#include "neuromesh/bus/producer_nonce.h"

#include "neuromesh/bus/errc.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace neuromesh::bus {
namespace {

std::filesystem::path temp_dir() {
  auto d = std::filesystem::temp_directory_path() /
           ("nm-nonce-" + std::to_string(fresh_producer_nonce()));
  std::filesystem::create_directories(d);
  return d;
}

TEST(producer_nonce, is_created_once_and_reloaded) {
  auto dir = temp_dir();
  auto path = (dir / "producer.nonce").string();
  auto a = load_or_create_producer_nonce(path);
  ASSERT_TRUE(a);
  EXPECT_EQ(std::filesystem::file_size(path), 9u);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  auto b = load_or_create_producer_nonce(path);
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);
  std::filesystem::remove_all(dir);
}

TEST(producer_nonce, file_is_version_then_little_endian_u64) {
  auto dir = temp_dir();
  auto path = (dir / "n").string();
  ASSERT_TRUE(store_producer_nonce(path, 0x0102030405060708ull));
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(bytes, std::string("\x01\x08\x07\x06\x05\x04\x03\x02\x01", 9));
  EXPECT_EQ(*load_or_create_producer_nonce(path), 0x0102030405060708ull);
  std::filesystem::remove_all(dir);
}

TEST(producer_nonce, rejects_a_damaged_file) {
  auto dir = temp_dir();
  auto path = (dir / "n").string();
  std::ofstream(path) << "short";
  EXPECT_EQ(load_or_create_producer_nonce(path).error(), errc::decode_failed);
  std::filesystem::remove_all(dir);
}

TEST(producer_nonce, fresh_nonces_differ) {
  EXPECT_NE(fresh_producer_nonce(), fresh_producer_nonce());
}

}  // namespace
}  // namespace neuromesh::bus

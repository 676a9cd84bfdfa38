#include "neuromesh/mesh/identity.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace neuromesh::mesh {
namespace {

seed_bytes seed_of(std::string_view hex) {
  seed_bytes s;
  auto b = from_hex(hex).value();
  std::copy(b.begin(), b.end(), s.begin());
  return s;
}

// Expected values computed independently with Python's hashlib.blake2s(pk, key=label) and the
// `cryptography` package's ed25519 — the derivation of Net's identity/entity.rs.
TEST(Identity, NodeIdAndOriginHashAreNetsKeyedBlake2sDerivations) {
  auto id = identity::from_seed(
      seed_of("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
  EXPECT_EQ(to_hex(id.public_key_bytes()),
            "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
  EXPECT_EQ(id.node_id(), 0xbd826a5d0a6394f5u);
  EXPECT_EQ(id.origin_hash(), 0x782a3238801976bfu);
  EXPECT_EQ(id.origin_hash32(), 0x801976bfu);
  auto zero = identity::from_seed(seed_bytes{});
  EXPECT_EQ(zero.node_id(), 0x2a22743fee3e433du);
  EXPECT_EQ(zero.origin_hash(), 0x87482e2f287f5d52u);
}

TEST(Identity, SignsLikeRfc8032TestVectorOne) {
  auto id = identity::from_seed(
      seed_of("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  EXPECT_EQ(to_hex(id.public_key_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  auto sig = id.sign({});
  EXPECT_EQ(to_hex(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
            "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(id.verify({}, sig));
  sig[10] ^= 1;
  EXPECT_FALSE(id.verify({}, sig));
  EXPECT_FALSE(verify_signature(id.public_key_bytes(), as_bytes("x"), id.sign({})));
}

TEST(Identity, GeneratedIdentitiesDiffer) {
  auto a = identity::generate(), b = identity::generate();
  EXPECT_NE(a.public_key_bytes(), b.public_key_bytes());
  EXPECT_EQ(identity::from_seed(a.seed()).node_id(), a.node_id());
}

TEST(Identity, X25519FormsOfBothHalvesMatch) {
  auto id = identity::generate();
  auto pub = x25519_public_of(id.public_key_bytes());
  ASSERT_TRUE(pub);
  EXPECT_EQ(*pub, id.x25519_public());
}

class SeedFile : public ::testing::Test {
 protected:
  std::string path = (std::filesystem::temp_directory_path() /
                      ("mesh_seed_" + std::to_string(::getpid()) + "_" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                         .string();
  void TearDown() override { std::remove(path.c_str()); }
  mode_t mode() {
    struct stat st {};
    ::stat(path.c_str(), &st);
    return st.st_mode & 0777;
  }
};

TEST_F(SeedFile, SaveWrites0600AndLoadRestoresTheIdentity) {
  auto id = identity::generate();
  {
    std::ofstream(path) << "old contents";
    ::chmod(path.c_str(), 0644);
  }
  ASSERT_TRUE(id.save(path));
  EXPECT_EQ(mode(), 0600u);
  auto back = identity::load(path);
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_EQ(back->public_key_bytes(), id.public_key_bytes());
}

TEST_F(SeedFile, LoadRefusesGroupOrWorldReadableFiles) {
  ASSERT_TRUE(identity::generate().save(path));
  ::chmod(path.c_str(), 0640);
  auto r = identity::load(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::io_error);
  EXPECT_NE(r.error().what().find("chmod 600"), std::string::npos) << r.error().what();
  ::chmod(path.c_str(), 0604);
  EXPECT_FALSE(identity::load(path));
}

TEST_F(SeedFile, LoadAcceptsHexAndRejectsOtherLengths) {
  { std::ofstream(path) << "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"; }
  ::chmod(path.c_str(), 0600);
  auto r = identity::load(path);
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r->node_id(), 0xbd826a5d0a6394f5u);
  { std::ofstream(path) << "short"; }
  EXPECT_EQ(identity::load(path).error().code, errc::bad_length);
  EXPECT_EQ(identity::load(path + ".missing").error().code, errc::io_error);
}

}  // namespace
}  // namespace neuromesh::mesh

#pragma once
// Throwaway PKI for registry tests, made with the openssl CLI at test time
// (nothing is checked in): a CA, server certificates it signs for given
// subjectAltNames, and a self-signed RSA key pair for signing tokens.

#include <string>

namespace racker::test {

struct TestCert {
  std::string cert;  // PEM file
  std::string key;   // PEM file
};

// Empty strings on success, else openssl's complaint.
class TestCa {
 public:
  // Writes ca.crt/ca.key into `dir` (which must exist).
  explicit TestCa(std::string dir, const std::string& common_name = "racker test CA");
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& cert_path() const { return ca_.cert; }

  // A server certificate for `san` ("IP:127.0.0.1", "DNS:other.example")
  // signed by this CA, as <dir>/<name>.crt/.key.
  TestCert issue(const std::string& name, const std::string& san);

 private:
  std::string dir_;
  TestCert ca_;
  std::string error_;
};

// A self-signed RSA certificate and key as <dir>/<name>.crt/.key (token
// signing: the registry trusts the certificate, the token server signs
// with the key). Empty paths on failure.
TestCert make_signing_cert(const std::string& dir, const std::string& name);

}  // namespace racker::test

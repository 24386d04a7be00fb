#include "support/registry_certs.h"

#include <fstream>

#include "support/registry_fixture.h"

namespace racker::test {

TestCa::TestCa(std::string dir, const std::string& common_name) : dir_(std::move(dir)) {
  ca_ = {dir_ + "/ca.crt", dir_ + "/ca.key"};
  std::string out;
  if (shell("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -keyout " + ca_.key +
                      " -out " + ca_.cert + " -subj '/CN=" + common_name +
                      "' -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign",
                  &out) != 0)
    error_ = "openssl (CA): " + out;
}

TestCert TestCa::issue(const std::string& name, const std::string& san) {
  TestCert c{dir_ + "/" + name + ".crt", dir_ + "/" + name + ".key"};
  std::string ext = dir_ + "/" + name + ".ext";
  std::ofstream(ext) << "subjectAltName=" << san << "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n";
  std::string out;
  if (shell("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + c.key + " -out " + dir_ +
                      "/" + name + ".csr -subj '/CN=" + name + "' && openssl x509 -req -in " + dir_ + "/" + name +
                      ".csr -CA " + ca_.cert + " -CAkey " + ca_.key + " -CAcreateserial -days 2 -out " + c.cert +
                      " -extfile " + ext,
                  &out) != 0) {
    error_ = "openssl (server certificate): " + out;
    return {};
  }
  return c;
}

TestCert make_signing_cert(const std::string& dir, const std::string& name) {
  TestCert c{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  if (shell("openssl genrsa -out " + c.key + " 2048 && openssl req -x509 -key " + c.key + " -out " + c.cert +
                  " -days 2 -subj '/CN=" + name + "'") != 0)
    return {};
  return c;
}

}  // namespace racker::test

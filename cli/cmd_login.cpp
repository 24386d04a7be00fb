// racker login [-u USER] [-p PASS | --password-stdin] [SERVER], racker logout [SERVER]:
// credentials in docker's config.json, checked against the registry first.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "command.h"
#include "racker/runtime/registry_client.h"

namespace racker::cli {
namespace {

using namespace racker::runtime;

struct LoginFlags {
  std::string server, username, password;
  bool password_stdin = false;
};

std::string domain_of(const std::string& server) {
  if (server.empty()) return "docker.io";
  std::string s = server;
  if (auto p = s.find("://"); p != std::string::npos) s = s.substr(p + 3);
  s = s.substr(0, s.find('/'));
  if (s == "index.docker.io" || s == "registry-1.docker.io") s = "docker.io";
  return s;
}

int run_login(LoginFlags f) {
  std::string domain = domain_of(f.server);
  if (f.password_stdin) {
    std::getline(std::cin, f.password);
  }
  if (f.username.empty()) {
    std::printf("Username: ");
    std::fflush(stdout);
    std::getline(std::cin, f.username);
  }
  if (f.password.empty()) {
    char* pass = ::getpass("Password: ");
    f.password = pass ? pass : "";
  }
  if (f.username.empty() || f.password.empty()) {
    print_error(Error(Errc::kInvalidArgument, "Error: Cannot perform an interactive login from a non TTY device"));
    return 1;
  }
  auto config = load_registry_config();
  if (!config) {
    print_error(config.error());
    return 1;
  }
  RegistryClientOptions options;
  options.endpoints = config->endpoints_for(domain);
  options.credentials = {f.username, f.password};
  ImageRef ref;
  ref.domain = domain;
  ref.path = "library/login-check";
  if (auto st = RegistryClient(ref, options).check_login(); !st) {
    print_error(st.error());
    return 1;
  }
  if (auto st = store_credentials(domain, options.credentials, docker_config_path()); !st) {
    print_error(st.error());
    return 1;
  }
  std::printf("Login Succeeded\n");
  return 0;
}

int run_logout(const std::string& server) {
  std::string domain = domain_of(server);
  auto st = erase_credentials(domain, docker_config_path());
  if (!st && st.error().code != Errc::kNotFound) {
    print_error(st.error());
    return 1;
  }
  std::printf(st ? "Removing login credentials for %s\n" : "Not logged in to %s\n", credentials_key(domain).c_str());
  return 0;
}

CommandRegistration login_reg(Parent::kRoot, 250, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("login", "Log in to a registry");
  auto flags = std::make_shared<LoginFlags>();
  cmd->add_option("-u,--username", flags->username, "Username");
  cmd->add_option("-p,--password", flags->password, "Password");
  cmd->add_flag("--password-stdin", flags->password_stdin, "Take the password from stdin");
  cmd->add_option("SERVER", flags->server, "Registry (default: docker.io)");
  cmd->callback([&ctx, flags] { ctx.exit_code = run_login(*flags); });
});

CommandRegistration logout_reg(Parent::kRoot, 251, [](CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("logout", "Log out from a registry");
  auto server = std::make_shared<std::string>();
  cmd->add_option("SERVER", *server, "Registry (default: docker.io)");
  cmd->callback([&ctx, server] { ctx.exit_code = run_logout(*server); });
});

}  // namespace
}  // namespace racker::cli

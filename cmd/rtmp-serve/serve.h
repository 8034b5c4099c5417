// rtmp-serve: command line and documentation.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/docgen.h"
#include "server/config.h"

namespace serve {

cli::DocInfo doc_info();

struct CommandLine {
    std::string config_path;
    bool print_config = false;
};

// Builds the parser for `config` (every setting is a flag) and `line`.
void build_app(CLI::App& app, server::Config& config, CommandLine& line);

}  // namespace serve

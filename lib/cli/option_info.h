// What docgen needs to know about one CLI11 option, read once from the CLI::App (internal to
// lib/cli: man_page.cpp and completion.cpp both work from this, never from CLI11 directly).
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace cli {

enum class Completion { None, Files, Directories };

struct OptionInfo {
    std::vector<std::string> names;  // "-h", "--help": short ones first; empty for positionals
    std::string metavar;             // "URL"; empty for flags
    std::string description;
    std::string default_value;
    std::string envname;
    std::string group;                // CLI11 group ("Options" unless set)
    std::vector<std::string> values;  // a fixed set (CLI::IsMember), else empty
    Completion completion = Completion::None;
    bool positional = false;
    bool repeatable = false;
    bool required = false;
    bool takes_value() const { return !metavar.empty(); }
};

// Every visible option and positional argument of `app`, in the order they were added.
std::vector<OptionInfo> describe_options(const CLI::App& app);

}  // namespace cli

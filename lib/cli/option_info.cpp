// Reads names, metavars, defaults and completion hints out of a configured CLI::App.
#include "cli/option_info.h"

#include <CLI/CLI.hpp>

namespace cli {
namespace {

// CLI11 writes the type name as "TEXT:{json,text}:FILE": the base type, then one description
// per validator. Split at ':' outside braces.
std::vector<std::string> split_type_name(const std::string& type_name) {
    std::vector<std::string> parts(1);
    int depth = 0;
    for (char c : type_name) {
        if (c == '{') ++depth;
        if (c == '}') --depth;
        if (c == ':' && depth == 0) {
            parts.emplace_back();
        } else {
            parts.back().push_back(c);
        }
    }
    return parts;
}

std::vector<std::string> split_set(const std::string& braced) {
    std::vector<std::string> values;
    std::string inner = braced.substr(1, braced.size() - 2);
    std::size_t start = 0;
    while (start <= inner.size()) {
        std::size_t comma = inner.find(',', start);
        if (comma == std::string::npos) comma = inner.size();
        if (comma > start) values.push_back(inner.substr(start, comma - start));
        start = comma + 1;
    }
    return values;
}

std::string upper(std::string text) {
    for (char& c : text) {
        if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
        if (c == '-') c = '_';
    }
    return text;
}

void read_type(const CLI::Option& option, OptionInfo& info) {
    auto parts = split_type_name(option.get_type_name());
    std::string base = parts[0];
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string& part = parts[i];
        if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
            info.values = split_set(part);
        } else if (part == "FILE" || part == "PATH(existing)" || part == "PATH(non-existing)") {
            info.completion = Completion::Files;
        } else if (part == "DIR") {
            info.completion = Completion::Directories;
        }
    }
    // CLI11's generic "TEXT" says little; the option's own name says more (--format FORMAT).
    if (base.empty() || base == "TEXT") {
        base = info.names.empty() ? upper(option.get_name(true))
                                  : upper(option.get_lnames().empty() ? option.get_snames()[0]
                                                                      : option.get_lnames()[0]);
    }
    info.metavar = base;
}

}  // namespace

std::vector<OptionInfo> describe_options(const CLI::App& app) {
    std::vector<OptionInfo> out;
    for (const CLI::Option* option : app.get_options()) {
        if (option->get_group().empty()) continue;  // hidden
        OptionInfo info;
        info.positional = option->get_lnames().empty() && option->get_snames().empty();
        for (const auto& s : option->get_snames()) info.names.push_back("-" + s);
        for (const auto& l : option->get_lnames()) info.names.push_back("--" + l);
        info.description = option->get_description();
        info.default_value = option->get_default_str();
        info.envname = option->get_envname();
        info.group = option->get_group();
        info.required = option->get_required();
        info.repeatable = option->get_expected_max() > 1;
        if (option->get_expected_max() > 0) read_type(*option, info);
        out.push_back(std::move(info));
    }
    return out;
}

}  // namespace cli

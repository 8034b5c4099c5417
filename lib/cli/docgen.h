// One source for --help, man pages and shell completions: generated from a tool's CLI::App.
//
// How a tool uses it (see cmd/rtmp-urlparse/main.cpp):
//
//     CLI::App app{"Split RTMP URLs as a server sees them", "rtmp-urlparse"};
//     ... app.add_option(...) as usual; give value options a type_name("URL") ...
//     cli::add_doc_options(app, doc_info());   // hidden --generate-man, --generate-completion
//     try { app.parse(argc, argv); }
//     catch (const CLI::ParseError& e) { return cli::exit_for_parse_error(app, e); }
//
// What is read from each option: names, description, type name (the metavar), default value
// (set with default_val() or capture_default_str()), environment variable, whether it repeats,
// and completion hints from its validators: CLI::IsMember gives a fixed set of values
// (completed by bash and zsh, listed in the man page); CLI::ExistingFile / ExistingPath or a
// type_name of "FILE" complete files, CLI::ExistingDirectory or "DIR" directories. Options in
// the hidden group (group("")) are left out of everything. Subcommands are not supported.
// scripts/gen-docs.sh writes man/<tool>.1, completions/<tool>.bash and completions/_<tool>.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;
class ParseError;
}  // namespace CLI

namespace cli {

// The text a man page needs beyond the options. Plain text: escaping is done for you.
struct DocInfo {
    std::string tool;                      // "rtmp-urlparse"
    std::string summary;                   // NAME line: "split RTMP URLs as a server sees them"
    std::vector<std::string> synopsis;     // what follows the tool name, one usage per entry;
                                           // empty: generated ("[OPTIONS] [URL...]")
    std::vector<std::string> description;  // DESCRIPTION paragraphs; one that starts with a
                                           // space is shown verbatim (no filling), line by line
    std::vector<std::pair<std::string, std::string>> examples;     // {command line, what it does}
    std::vector<std::pair<std::string, std::string>> exit_status;  // {"0", "success"}, ...
    std::vector<std::string> see_also;                             // {"rtmp-serve(1)", ...}
};

// A section-1 roff man page: NAME, SYNOPSIS, DESCRIPTION, OPTIONS, ARGUMENTS, EXIT STATUS,
// EXAMPLES, SEE ALSO. No date in it, so regenerating it gives the same bytes.
std::string man_page(const CLI::App& app, const DocInfo& info);

// A bash completion script defining _<tool> and registering it with `complete`.
std::string bash_completion(const CLI::App& app, const DocInfo& info);

// A zsh completion file (#compdef <tool>) for a directory in $fpath, named _<tool>.
std::string zsh_completion(const CLI::App& app, const DocInfo& info);

// Registers the hidden options `--generate-man` and `--generate-completion bash|zsh`: each
// prints its text on stdout and ends parsing with CLI::Success (exit 0). Call it after every
// other option is added.
void add_doc_options(CLI::App& app, DocInfo info);

// For `catch (const CLI::ParseError& e)`: --help and the --generate-* options print and give 0;
// any other parse error prints "<tool>: <message>" and a hint to stderr and gives 2 (usage).
int exit_for_parse_error(const CLI::App& app, const CLI::ParseError& error);

}  // namespace cli

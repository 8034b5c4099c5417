// The hidden --generate-man / --generate-completion options and the usage-error exit path that
// every rtmpkit tool shares.
#include "cli/docgen.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

namespace cli {

void add_doc_options(CLI::App& app, DocInfo info) {
    auto shared = std::make_shared<const DocInfo>(std::move(info));
    const CLI::App* self = &app;
    // trigger_on_parse: print as soon as the option is seen, before other options' checks
    // (required options, excludes) could fail the run.
    app.add_flag_callback(
           "--generate-man",
           [self, shared] {
               std::cout << man_page(*self, *shared) << std::flush;
               throw CLI::Success();
           },
           "Print the man page (roff) and exit")
        ->group("")
        ->trigger_on_parse();
    app.add_option_function<std::string>(
           "--generate-completion",
           [self, shared](const std::string& shell) {
               std::cout << (shell == "zsh" ? zsh_completion(*self, *shared)
                                            : bash_completion(*self, *shared))
                         << std::flush;
               throw CLI::Success();
           },
           "Print a bash or zsh completion script and exit")
        ->check(CLI::IsMember({"bash", "zsh"}))
        ->type_name("SHELL")
        ->group("")
        ->trigger_on_parse();
}

int exit_for_parse_error(const CLI::App& app, const CLI::ParseError& error) {
    if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
        return app.exit(error);  // --help prints its text; our --generate-* already printed
    }
    std::cerr << app.get_name() << ": " << error.what() << "\n"
              << "Run '" << app.get_name() << " --help' for the options.\n";
    return 2;
}

}  // namespace cli

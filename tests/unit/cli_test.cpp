// lib/cli docgen: man page, bash and zsh completion generated from a CLI::App, and the
// --generate-* options / usage exit path every tool shares.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/docgen.h"

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A tool with one option of every kind docgen distinguishes.
struct Fixture {
    CLI::App app{"Demo tool", "demo-tool"};
    std::string format, config, dir, name;
    std::vector<std::string> tags, inputs;
    int level = 3;
    bool verbose = false;
    cli::DocInfo info;

    Fixture() {
        app.add_option("input", inputs, "Input file")->check(CLI::ExistingFile);
        app.add_option("-f,--format", format, "Output format")
            ->check(CLI::IsMember({"json", "text"}))
            ->default_val("json");
        app.add_option("--config", config, "Config file")->type_name("FILE");
        app.add_option("--dir", dir, "Work directory")->check(CLI::ExistingDirectory);
        app.add_option("--level", level, "Level\\n. dotted")
            ->capture_default_str()
            ->envname("DEMO_LEVEL");
        app.add_option("--tag", tags, "Tag it's [x]: y");
        app.add_option("--name", name, "Name")->group("Naming");
        app.add_flag("-v,--verbose", verbose, "Say more");
        app.add_option("--secret", name, "Hidden one")->group("");
        info.tool = "demo-tool";
        info.summary = "show what docgen does";
        info.description = {"First paragraph\nwith - a hyphen.",
                            "  verbatim \\ line\n.starts with dot"};
        info.examples = {{"demo-tool -f text x", "Text output:"}};
        info.exit_status = {{"0", "fine"}, {"2", "usage"}};
        info.see_also = {"rtmp-serve(1)", "curl(1)"};
    }
};

// Runs `parse` on args with std::cout captured; returns {exit code, captured stdout}.
std::pair<int, std::string> run(CLI::App& app, std::vector<std::string> args) {
    std::ostringstream captured;
    std::streambuf* old = std::cout.rdbuf(captured.rdbuf());
    std::ostringstream errors;
    std::streambuf* old_err = std::cerr.rdbuf(errors.rdbuf());
    int code = 0;
    std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
    try {
        app.parse(args);
    } catch (const CLI::ParseError& e) {
        code = cli::exit_for_parse_error(app, e);
    }
    std::cout.rdbuf(old);
    std::cerr.rdbuf(old_err);
    return {code, captured.str() + errors.str()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(docgen)

BOOST_FIXTURE_TEST_CASE(man_page_lists_every_visible_option, Fixture) {
    std::string man = cli::man_page(app, info);
    BOOST_TEST(contains(man, ".TH \"DEMO\\-TOOL\" 1 \"\" \"rtmpkit\" \"User Commands\"\n"));
    BOOST_TEST(contains(man, ".SH NAME\ndemo\\-tool \\- show what docgen does\n"));
    BOOST_TEST(contains(man, ".SH SYNOPSIS\n.B demo\\-tool\n[OPTIONS] [INPUT...]\n"));
    BOOST_TEST(contains(man,
                        ".TP\n\\fB\\-f\\fR, \\fB\\-\\-format\\fR \\fIFORMAT\\fR\n"
                        "Output format. Values: json, text. Default: json.\n"));
    BOOST_TEST(contains(man, "\\fB\\-\\-config\\fR \\fIFILE\\fR\nConfig file.\n"));
    BOOST_TEST(contains(man, "\\fB\\-\\-level\\fR \\fIINT\\fR\n"));
    BOOST_TEST(contains(man, "Default: 3. Environment variable: DEMO_LEVEL."));
    BOOST_TEST(contains(man, "May be given more than once."));
    BOOST_TEST(contains(man, "\\fB\\-v\\fR, \\fB\\-\\-verbose\\fR\nSay more.\n"));
    BOOST_TEST(contains(man, ".SH ARGUMENTS\n.TP\n\\fIINPUT\\fR...\nInput file.\n"));
    // Two groups, so each gets a sub-heading.
    BOOST_TEST(contains(man, ".SS \"Options\"\n"));
    BOOST_TEST(contains(man, ".SS \"Naming\"\n"));
    BOOST_TEST(!contains(man, "secret"));
    BOOST_TEST(contains(man, ".SH \"EXIT STATUS\"\n.TP\n.B 0\nfine\n.TP\n.B 2\nusage\n"));
    BOOST_TEST(contains(man, ".SH \"SEE ALSO\"\n.BR rtmp\\-serve (1),\n.BR curl (1)\n"));
}

BOOST_FIXTURE_TEST_CASE(man_page_escapes_roff, Fixture) {
    std::string man = cli::man_page(app, info);
    // A description line starting with '.' must not become a request; '\' is written \e.
    BOOST_TEST(contains(man, "Level\\en. dotted"));
    BOOST_TEST(contains(man, "First paragraph\nwith \\- a hyphen.\n"));
    BOOST_TEST(contains(man, ".nf\n\\&  verbatim \\e line\n\\&.starts with dot\n.fi\n"));
    BOOST_TEST(contains(
        man, ".SH EXAMPLES\n.PP\nText output:\n.PP\n.RS 4\n.nf\n\\&demo\\-tool \\-f text x\n"));
    // No date: regenerating gives the same bytes.
    BOOST_TEST(man == cli::man_page(app, info));
}

BOOST_FIXTURE_TEST_CASE(bash_completion_offers_names_values_files, Fixture) {
    std::string bash = cli::bash_completion(app, info);
    BOOST_TEST(contains(bash, "_demo_tool() {\n"));
    BOOST_TEST(contains(bash, "complete -F _demo_tool demo-tool\n"));
    BOOST_TEST(
        contains(bash,
                 "        -f|--format)\n"
                 "            mapfile -t COMPREPLY < <(compgen -W 'json text' -- \"$cur\")\n"));
    BOOST_TEST(contains(bash,
                        "        --config)\n            compopt -o filenames 2>/dev/null; "
                        "mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n"));
    BOOST_TEST(contains(bash,
                        "        --dir)\n            compopt -o filenames 2>/dev/null; "
                        "mapfile -t COMPREPLY < <(compgen -d -- \"$cur\")\n"));
    BOOST_TEST(contains(bash,
                        "compgen -W '-h --help -f --format --config --dir --level --tag --name "
                        "-v --verbose' -- \"$cur\""));
    BOOST_TEST(!contains(bash, "--verbose)"));  // a flag takes no value
    BOOST_TEST(!contains(bash, "secret"));
    // The positional argument is a file.
    BOOST_TEST(contains(bash,
                        "    fi\n    compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < "
                        "<(compgen -f -- \"$cur\")\n    return 0\n}\n"));
}

BOOST_FIXTURE_TEST_CASE(zsh_completion_specs, Fixture) {
    std::string zsh = cli::zsh_completion(app, info);
    BOOST_TEST(zsh.rfind("#compdef demo-tool\n", 0) == 0);
    BOOST_TEST(contains(zsh, "'(-f --format)'{-f,--format=}'[Output format]:FORMAT:(json text)'"));
    BOOST_TEST(contains(zsh, "'--config=[Config file]:FILE:_files'"));
    BOOST_TEST(contains(zsh, "'--dir=[Work directory]:DIR:_files -/'"));
    // Repeatable, and the quote, brackets and colon of the description escaped.
    BOOST_TEST(contains(zsh, "'*--tag=[Tag it'\\''s \\[x\\]\\: y]:TAG: '"));
    BOOST_TEST(contains(zsh, "'(-v --verbose)'{-v,--verbose}'[Say more]'"));
    BOOST_TEST(contains(zsh, "'*:INPUT:_files'\n"));
    BOOST_TEST(!contains(zsh, "secret"));
}

BOOST_FIXTURE_TEST_CASE(generate_options_print_and_exit_zero, Fixture) {
    cli::add_doc_options(app, info);
    auto [code, out] = run(app, {"--generate-man"});
    BOOST_TEST(code == 0);
    BOOST_TEST(out == cli::man_page(app, info));

    Fixture other;
    cli::add_doc_options(other.app, other.info);
    auto [zcode, zout] = run(other.app, {"--generate-completion", "zsh"});
    BOOST_TEST(zcode == 0);
    BOOST_TEST(zout == cli::zsh_completion(other.app, other.info));
    // The generate options themselves are hidden from the generated text.
    BOOST_TEST(!contains(zout, "'--generate"));
}

BOOST_FIXTURE_TEST_CASE(generate_wins_over_later_errors, Fixture) {
    cli::add_doc_options(app, info);
    app.add_option("--must", name, "A required option")->required();
    auto [code, out] = run(app, {"--generate-completion", "bash"});
    BOOST_TEST(code == 0);
    BOOST_TEST(contains(out, "complete -F _demo_tool demo-tool"));
}

BOOST_FIXTURE_TEST_CASE(usage_errors_exit_two, Fixture) {
    cli::add_doc_options(app, info);
    auto [code, out] = run(app, {"--bogus"});
    BOOST_TEST(code == 2);
    BOOST_TEST(contains(out, "demo-tool: "));
    Fixture a;
    cli::add_doc_options(a.app, a.info);
    BOOST_TEST(run(a.app, {"--generate-completion", "fish"}).first == 2);
    Fixture b;
    BOOST_TEST(run(b.app, {"--format", "yaml"}).first == 2);
    Fixture c;
    auto [help_code, help] = run(c.app, {"--help"});
    BOOST_TEST(help_code == 0);
    BOOST_TEST(contains(help, "--format"));
}

BOOST_AUTO_TEST_SUITE_END()

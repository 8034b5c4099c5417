// rtmp-serve: the RTMP server. Parses options, loads the config, runs the event loop.
#include <event2/event.h>
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <sstream>

#include "http/http_listener.h"
#include "net/log.h"
#include "serve.h"
#include "server/server.h"

namespace {

// Exit codes (rtmp-serve(1) EXIT STATUS).
constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

struct Loaded {
    server::Config config;
    serve::CommandLine line;
};

// Embedded defaults, then the YAML file of --config, then the flags: the last one wins.
// Returns an exit code when the program should stop here (help, errors), -1 to go on.
int load(int argc, char** argv, Loaded& out) {
    {
        CLI::App app{"RTMP server: publish and play live streams", "rtmp-serve"};
        serve::build_app(app, out.config, out.line);
        try {
            app.parse(argc, argv);
        } catch (const CLI::ParseError& e) {
            return cli::exit_for_parse_error(app, e);
        }
    }
    if (!out.line.config_path.empty()) {
        server::Config from_file;
        if (auto e = server::load_yaml_file(out.line.config_path, from_file)) {
            std::cerr << "rtmp-serve: " << e->message << "\n";
            return kExitUsage;
        }
        CLI::App app{"RTMP server", "rtmp-serve"};
        serve::CommandLine again;
        serve::build_app(app, from_file, again);
        try {
            app.parse(argc, argv);
        } catch (const CLI::ParseError& e) {
            return cli::exit_for_parse_error(app, e);
        }
        out.config = std::move(from_file);
    }
    if (auto e = server::validate(out.config)) {
        std::cerr << "rtmp-serve: " << e->message << "\n";
        return kExitUsage;
    }
    return -1;
}

void configure_logging(const server::Config& c) {
    net::logger().configure(c.log_level, c.log_format);
}

struct SignalContext {
    server::Server* server;
    int argc;
    char** argv;
};

void on_stop_signal(evutil_socket_t sig, short, void* arg) {
    auto* ctx = static_cast<SignalContext*>(arg);
    try {
        net::logger().info("signal received", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
        ctx->server->stop_gracefully();
    } catch (const std::exception& e) {
        // The loop boundary: stop at once rather than let the exception end the process.
        std::fprintf(stderr, "rtmp-serve: error while stopping: %s\n", e.what());
        event_base_loopexit(ctx->server->base(), nullptr);
    }
}

void on_reload_signal(evutil_socket_t, short, void* arg) {
    auto* ctx = static_cast<SignalContext*>(arg);
    Loaded fresh;
    std::streambuf* saved = std::cerr.rdbuf();
    std::ostringstream errors;
    std::cerr.rdbuf(errors.rdbuf());
    try {
        int rc = load(ctx->argc, ctx->argv, fresh);
        std::cerr.rdbuf(saved);
        if (rc != -1) {
            net::logger().error("reload failed, keeping the running configuration",
                                {{"error", errors.str()}});
            return;
        }
        configure_logging(fresh.config);
        ctx->server->reload(std::move(fresh.config));
    } catch (const std::exception& e) {
        std::cerr.rdbuf(saved);
        net::logger().error("reload failed, keeping the running configuration",
                            {{"error", e.what()}});
    }
}

}  // namespace

int main(int argc, char** argv) {
    Loaded loaded;
    if (int rc = load(argc, argv, loaded); rc != -1) return rc;
    if (loaded.line.print_config) {
        std::cout << server::to_commented_yaml(loaded.config);
        return kExitOk;
    }
    configure_logging(loaded.config);
    if (loaded.config.rtmfp_server_enabled)
        net::logger().warn("rtmfp_server_enabled has no effect: RTMFP is not supported");
    signal(SIGPIPE, SIG_IGN);

    // The changelist folds the add/remove of write interest that every fan-out round causes for
    // each player into one epoll_ctl per loop turn, or none.
    event_config* ev_config = event_config_new();
    event_config_set_flag(ev_config, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    event_base* base = event_base_new_with_config(ev_config);
    event_config_free(ev_config);
    if (!base) {
        std::cerr << "rtmp-serve: cannot create the event loop\n";
        return kExitRuntime;
    }
    int rc = kExitOk;
    {
        server::Server srv(base, loaded.config);
        http::HttpListener http_side(base, srv);
        // The default HTTP address is a convenience: a second rtmp-serve on one machine (other
        // RTMP ports) still starts, without HTTP. An address the operator chose must be bound.
        const bool http_optional = loaded.config.http_listen == server::Config{}.http_listen;
        std::string error;
        if (!srv.start(error) || !http_side.start(loaded.config.http_listen, http_optional,
                                                  loaded.config.https_listen, error)) {
            std::cerr << "rtmp-serve: " << error << "\n";
            rc = kExitRuntime;
        } else {
            SignalContext ctx{&srv, argc, argv};
            event* sigint = evsignal_new(base, SIGINT, on_stop_signal, &ctx);
            event* sigterm = evsignal_new(base, SIGTERM, on_stop_signal, &ctx);
            event* sighup = evsignal_new(base, SIGHUP, on_reload_signal, &ctx);
            event_add(sigint, nullptr);
            event_add(sigterm, nullptr);
            event_add(sighup, nullptr);
            event_base_dispatch(base);
            event_free(sigint);
            event_free(sigterm);
            event_free(sighup);
            net::logger().info("stopped");
        }
    }
    event_base_free(base);
    return rc;
}

fn main() {
    let mut logger =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"));
    // Timestamps only when asked for logs: they time the engine's steps.
    if std::env::var_os("RUST_LOG").is_some() {
        logger.format_timestamp_micros();
    } else {
        logger.format_timestamp(None);
    }
    logger.init();
    std::process::exit(rewind::cli::main());
}

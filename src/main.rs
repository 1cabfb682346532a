use clap::Parser;

fn main() {
    let cli = keelhaul::cli::Cli::parse();
    std::process::exit(keelhaul::cli::run(cli));
}

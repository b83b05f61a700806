"""The command line: argparse commands over the gateway and core; exit codes 0, 1, 2."""

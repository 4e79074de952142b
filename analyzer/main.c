/* main.c - tapsight's entry point: parse the command line, run the engine. */
#include "analyzer/cli.h"
#include "analyzer/engine.h"

int main(int argc, char **argv)
{
	struct tp_config cfg;
	int status;

	switch (cli_parse(argc, argv, &cfg)) {
	case CLI_EXIT_OK:
		status = 0;
		break;
	case CLI_USAGE:
		status = 2;
		break;
	case CLI_ERROR:
		status = 1;
		break;
	default:
		status = engine_run(&cfg);
		break;
	}
	cli_free(&cfg);
	return status;
}

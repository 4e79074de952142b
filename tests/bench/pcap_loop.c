/*
 * pcap_loop.c - bare libpcap baseline for the ingest benchmark.
 *
 * Reads a capture with pcap_open_offline() and pcap_next_ex() and does
 * nothing but count, so it shows the floor a pcap reader costs on this
 * machine.  Prints "packets bytes" (bytes = sum of captured lengths).
 * libpcap reads pcap and pcapng but no compressed files.
 *
 * Exit status: 0 read to the end, 1 open or read error, 2 usage error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint64_t packets = 0, bytes = 0;
	pcap_t *p;
	int rc;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		puts("usage: pcap_loop FILE\n"
		     "Read FILE with libpcap and print \"packets bytes\" (captured bytes).");
		return 0;
	}
	if (argc != 2) {
		fputs("usage: pcap_loop FILE\n", stderr);
		return 2;
	}
	errbuf[0] = '\0';
	p = pcap_open_offline(argv[1], errbuf);
	if (!p) {
		/* libpcap names the file in some messages but not in others. */
		if (strncmp(errbuf, argv[1], strlen(argv[1])) == 0)
			fprintf(stderr, "pcap_loop: %s\n", errbuf);
		else
			fprintf(stderr, "pcap_loop: %s: %s\n", argv[1], errbuf);
		return 1;
	}
	while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
		packets++;
		bytes += hdr->caplen;
	}
	if (rc == PCAP_ERROR) {
		/* libpcap keeps the records before the fault; say how far we got. */
		fprintf(stderr, "pcap_loop: %s: after %" PRIu64 " packets: %s\n",
			argv[1], packets, pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	printf("%" PRIu64 " %" PRIu64 "\n", packets, bytes);
	return 0;
}

/*
 * oui.h - the vendor of a MAC address from its IEEE assignment.
 *
 * A small built-in table of the vendors an OT network holds (PLC, RTU, IED,
 * drive and network makers), with the names engineers know them by
 * ("Schneider Electric" for Telemecanique's 00:80:F4), is asked first; then
 * the IEEE registry as Debian's ieee-data package installs it
 * (/usr/share/ieee-data: oui.csv for MA-L, mam.csv for MA-M, oui36.csv for
 * MA-S, read through libcsv), longest assignment first.  Without the
 * registry the built-in table answers alone.
 */
#ifndef TP_OUI_H
#define TP_OUI_H

#include <stdint.h>

#define OUI_DEFAULT_DIR "/usr/share/ieee-data"

struct oui_table;

/* A table over the registry files in dir (NULL: OUI_DEFAULT_DIR), read
 * when first needed; missing files are fine.  NULL when out of memory. */
struct oui_table *oui_load(const char *dir);

/* The vendor of mac: a name, "locally administered" for addresses that
 * name no vendor (randomised or assigned by hand), "" when unknown. */
const char *oui_vendor(struct oui_table *t, const uint8_t mac[6]);

/* Entries read from the registry (0 when it was not found); reads it. */
unsigned long oui_registry_size(struct oui_table *t);

void oui_free(struct oui_table *t);

#endif

/* NVMe controllers on PCI (class 01:08:02), per the NVMe 1.4 base
 * specification: one admin queue pair, one I/O queue pair, polled. */
#ifndef DRIVERS_NVME_H
#define DRIVERS_NVME_H

/* Finds every NVMe controller, resets and enables it, and registers each
 * usable namespace ("nvme0n1": controller 0, namespace 1). Logs what it
 * found and why anything was skipped. Returns namespaces registered. */
unsigned nvme_probe(void);

#endif

/* ATA disks on the legacy IDE ports (primary 0x1F0/0x3F6, secondary
 * 0x170/0x376), PIO with polling: what Bochs has, and QEMU's PC IDE. */
#ifndef DRIVERS_ATA_H
#define DRIVERS_ATA_H

/* Probes the four positions, registers each ATA disk as a block device
 * ("ata0-master" ... "ata1-slave") and logs what it found. Returns the
 * number registered. Never waits long: an absent or dead device is a
 * short timeout. */
unsigned ata_probe(void);

#endif

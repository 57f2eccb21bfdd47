/* Loads a new vCPU's registers, segments and control registers from its
 * loader's boot state (the contract is in vmm/guest_loader.h). */
#ifndef VMM_VCPU_BOOT_STATE_H
#define VMM_VCPU_BOOT_STATE_H

#include "vmm/guest_loader.h"

struct vcpu;

void vcpu_load_boot_state(struct vcpu *v, const struct guest_boot_state *b);

#endif

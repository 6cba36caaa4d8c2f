#include "tools/workload/workload.h"

// Placeholder replaced by the synthetic workload generator.
#pragma once

"""Settings that decide anonymity and reach, changed only with the staff council's approval."""

# SPDX-License-Identifier: EUPL-1.2
"""Source adapters: files and services that figures come from."""

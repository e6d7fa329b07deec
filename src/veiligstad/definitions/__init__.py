# SPDX-License-Identifier: EUPL-1.2
"""Declarative definitions: YAML → domain models, then semantic checks."""

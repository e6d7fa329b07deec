# SPDX-License-Identifier: EUPL-1.2
"""The dashboard and API: a thin edge over the services (FastAPI + Jinja2, server-rendered)."""

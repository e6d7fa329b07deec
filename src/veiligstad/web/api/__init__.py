# SPDX-License-Identifier: EUPL-1.2
"""The JSON API ``/api/v1``: one module per resource; each exposes ``router``."""

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []

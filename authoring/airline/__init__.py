"""The airline's generators: the seed DB, the tasks drafted from it, the README's figures."""

from authoring import kit
from authoring.airline import data, stats, tasks
from frontdesk.envs.airline import domain

GENERATOR = kit.Generator(domain=domain, db=data.render, tasks=tasks.render, figures=stats.table)

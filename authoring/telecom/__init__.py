"""The telecom generators: the seed DB, the tasks composed from its issues, the README's figures."""

from authoring import kit
from authoring.telecom import data, stats, tasks
from frontdesk.envs.telecom import domain

GENERATOR = kit.Generator(domain=domain, db=data.render, tasks=tasks.render, figures=stats.table)

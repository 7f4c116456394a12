"""The mock shop's generator: only the seed DB; its fourteen tasks are written by hand."""

from authoring import kit
from authoring.mock import data
from frontdesk.envs.mock import domain

GENERATOR = kit.Generator(domain=domain, db=data.render)

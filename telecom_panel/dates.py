"""The `date` template filter, as Django's but with "1er" for the first of the month in French
("1er décembre 2026"): a builtin of the template engine (settings TEMPLATES), so that every
template, the admin's and the e-mails' included, writes dates the same way."""

from django import template
from django.template import defaultfilters

from .french import first_of_month

register = template.Library()


@register.filter("date", expects_localtime=True, is_safe=False)
def date(value, arg=None):
    return first_of_month(defaultfilters.date(value, arg))

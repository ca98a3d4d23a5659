"""The archive's filters: what readers may narrow ``/live/`` by, and how each narrows it.

Every filter reads only what readers may see: public pages (the queryset handed in) and the
*published* updates on them. A filter value that cannot be used is reported by the form and left
out, so a bad link still shows a list, filtered by whatever was usable.
"""

from datetime import UTC, datetime, time

import django_filters
from django import forms
from django.core.validators import EMPTY_VALUES
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import LivePage, Reporter, Series, Update
from .search import MAX_QUERY_CHARS, Search


class ArchiveFilterForm(forms.Form):
    """The form behind the filters: checks that the dates agree."""

    def clean(self):
        cleaned_data = super().clean()
        start, end = cleaned_data.get("from"), cleaned_data.get("to")
        if start and end and end < start:
            self.add_error(
                "to", _("The “To” date is before the “From” date, so we left it out.")
            )
        return cleaned_data


def published_updates():
    """Published updates of the page in the outer query: the only update text readers can find."""
    return Update.objects.filter(live_page=OuterRef("pk"), status=Update.Status.PUBLISHED)


def day_bound(day, *, end=False):
    """The first (or last) moment of ``day`` in the site's time zone, or None when the calendar
    cannot hold it (a reader typed year 1 or 9999)."""
    moment = datetime.combine(day, time.max if end else time.min)
    try:
        return timezone.make_aware(moment).astimezone(UTC)
    except OverflowError:
        return None


class LivePageFilter(django_filters.FilterSet):
    """Filters for the archive: ``q``, ``series``, ``reporter``, ``status``, ``from`` and ``to``."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        # The box takes what the search reads, no more.
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. river flood"),
                                      "maxlength": MAX_QUERY_CHARS}),
    )
    series = django_filters.ModelChoiceFilter(
        label=_("Series"),
        queryset=Series.objects.filter(
            live_pages__status__in=[LivePage.Status.LIVE, LivePage.Status.ENDED]
        ).distinct().order_by("name"),
        to_field_name="slug",
        empty_label=_("All series"),
        error_messages={"invalid_choice": _("We have no series called “%(value)s”.")},
    )
    reporter = django_filters.ModelChoiceFilter(
        label=_("Reporter"),
        queryset=Reporter.objects.filter(is_active=True).order_by("name"),
        to_field_name="slug",
        method="filter_reporter",
        empty_label=_("All reporters"),
        error_messages={"invalid_choice": _("We have no reporter called “%(value)s”.")},
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(LivePage.Status.LIVE, _("Live now")), (LivePage.Status.ENDED, _("Recaps"))],
        empty_label=_("Live and recaps"),
        error_messages={
            "invalid_choice": _("“%(value)s” is not a status: choose live now or recaps.")
        },
    )
    # ``from`` and ``to`` are Python keywords: django-filter names a filter after the class
    # attribute, so these two are put into the class namespace by name.
    locals()["from"] = django_filters.DateFilter(
        label=_("From"),
        field_name="coverage_end",
        method="filter_from",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("The “From” date should look like 2029-03-28.")},
    )
    locals()["to"] = django_filters.DateFilter(
        label=_("To"),
        field_name="coverage_start",
        method="filter_to",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("The “To” date should look like 2029-03-28.")},
    )

    class Meta:
        form = ArchiveFilterForm

    @property
    def problems(self):
        """What the reader asked for that could not be used, as (element id, message) pairs.

        The id is the one Django's widgets name in ``aria-describedby`` for a field's errors.
        """
        form = self.form
        return [
            (f"{form[name].auto_id}_error" if name in form.fields else "", " ".join(messages))
            for name, messages in form.errors.items()
        ]

    def usable_query(self):
        """The filters the reader gave that could be used, as typed, for links that keep them."""
        query = QueryDict(mutable=True)
        if not self.is_bound:
            return query
        self.form.is_valid()  # cleaning the form sets aside the values it could not use
        cleaned = self.form.cleaned_data
        for name in self.filters:
            if cleaned.get(name) not in EMPTY_VALUES:
                query[name] = self.data.get(name)
        return query

    def filter_text(self, queryset, name, value):
        """``q`` does not narrow the pages: the search (``search`` below) looks through what the
        pages the other filters chose hold, and lists updates as well as pages."""
        return queryset

    def search(self):
        """The reader's search over the filtered pages, or None when they asked for none."""
        if not self.is_bound:
            return None
        self.form.is_valid()  # cleans what can be used, sets aside the rest (a q with a NUL)
        query = (self.form.cleaned_data.get("q") or "").strip()
        if not query:
            return None
        cleaned = self.form.cleaned_data
        narrowed = any(cleaned.get(name) not in EMPTY_VALUES for name in self.filters if name != "q")
        return Search(self.qs, query, reporter=cleaned.get("reporter"), narrowed=narrowed)

    def filter_reporter(self, queryset, name, reporter):
        """Pages on which the reporter has a published update."""
        # Exists, not a join: a join would repeat pages and inflate their update counts.
        return queryset.filter(Exists(published_updates().filter(authors=reporter)))

    def filter_from(self, queryset, name, day):
        """Pages whose coverage had not ended before ``day`` began."""
        start = day_bound(day)
        if start is None:
            return queryset
        return queryset.filter(
            Q(coverage_end__gte=start)
            | Q(coverage_end__isnull=True, status=LivePage.Status.LIVE)
            # A recap without an end date covered its start.
            | Q(coverage_end__isnull=True, coverage_start__gte=start)
        )

    def filter_to(self, queryset, name, day):
        """Pages whose coverage had begun by the end of ``day``."""
        end = day_bound(day, end=True)
        if end is None:
            return queryset
        return queryset.filter(coverage_start__lte=end)


"""Admin inputs that have names (WCAG 1.3.1/4.1.2; axe: `label`, `select-name`). Django's tabular inline
shows a field's name only in the column header, and its split date/time widget labels only the date
half, so a screen reader meets unlabelled inputs. Widgets get an aria-label with the field's label: every
widget of a tabular inline (and its delete box), and each half of a split date and time everywhere
(`SplitDateTimeLabels`, mixed into the scoped admin base classes)."""

from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime, RelatedFieldWidgetWrapper
from django.forms import MultiWidget


def label_widget(widget, label: str) -> None:
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    if isinstance(widget, MultiWidget):
        parts = ("日期 date", "时间 time") if isinstance(widget, AdminSplitDateTime) else None
        for i, sub in enumerate(widget.widgets):
            sub.attrs["aria-label"] = f"{label} {parts[i] if parts else i + 1}"
    else:
        widget.attrs["aria-label"] = label


class SplitDateTimeLabels:
    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(field.widget, AdminSplitDateTime):
            label_widget(field.widget, str(field.label))
        return field


class LabelledTabularInline(admin.TabularInline):
    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            label_widget(field.widget, str(field.label or db_field.verbose_name))
        return field

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class Labelled(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if "DELETE" in form.fields:
                    label_widget(form.fields["DELETE"].widget, "删除 Delete")

        Labelled.__name__ = formset.__name__
        return Labelled

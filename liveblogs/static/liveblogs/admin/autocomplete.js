// Names for the admin's autocomplete boxes. Select2 draws its own box beside each <select> and
// names it after the value chosen, so an empty box has no name, and the search box of a
// many-to-many never has one; its "remove all" cross sits in a list where only items may. Each
// part is named as the select is: its aria-label (a table's rows, TabularFormSet) or its <label>.
// Select2 redraws its boxes as values change, so they are named again after every change.

function nameOf(select) {
	const label = select.id && document.querySelector(`label[for="${CSS.escape(select.id)}"]`);
	const text = select.getAttribute("aria-label") || label?.textContent || "";
	return text.trim().replace(/:$/, "");
}

function name(select) {
	const box = select.nextElementSibling;
	if (!box?.classList.contains("select2")) return;
	const text = nameOf(select);
	const parts = box.querySelectorAll(
		".select2-selection, .select2-selection__rendered[role='textbox'], .select2-search__field",
	);
	for (const part of parts) {
		if (text && part.getAttribute("aria-label") !== text) part.setAttribute("aria-label", text);
	}
	// A mouse's shortcut: the keyboard clears with Backspace, and each item has its own cross.
	for (const cross of box.querySelectorAll(".select2-selection__clear")) {
		cross.setAttribute("aria-hidden", "true");
	}
}

function nameAll() {
	for (const select of document.querySelectorAll("select.admin-autocomplete")) name(select);
}

// Attribute changes are not watched, so naming never wakes the observer itself.
new MutationObserver(nameAll).observe(document.body, { childList: true, subtree: true });
nameAll();

// The update form's callout menu offers the callouts of the live page chosen, which is what the
// server accepts when it saves. Each option names its page (data-page, CalloutSelect); with no
// page chosen there is nothing to offer. Only the add form has a page menu: the change form's page
// is fixed, and its callouts are limited by the server.

const page = document.querySelector("select#id_live_page");
const callout = document.querySelector("select#id_callout");

function offer() {
	for (const option of callout.options) {
		if (!option.value) continue;
		const elsewhere = option.dataset.page !== page.value;
		// Hidden for the eye, disabled for browsers that show hidden options anyway.
		option.hidden = elsewhere;
		option.disabled = elsewhere;
	}
	if (callout.selectedOptions[0]?.disabled) callout.value = "";
}

if (page && callout) {
	page.addEventListener("change", offer);
	offer();
}

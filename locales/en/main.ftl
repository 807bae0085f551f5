# Atelier — English messages. Every key here must also exist in zh-CN/main.ftl.

nav-label = Main
nav-home = Home
nav-password = Change password
nav-sign-out = Sign out
lang-label = Language
lang-switch = Switch

role-admin = Administrator
role-manager = Manager
role-fitter = Fitter

field-email = Email
field-password = Password
field-current-password = Current password
field-new-password = New password
field-confirm-password = Repeat the new password

sign-in-title = Staff sign-in
sign-in-submit = Sign in
sign-in-failed = The email or password is not right. Check both and try again.
sign-in-throttled = Too many failed sign-ins. For your security, try again in { $minutes } minutes.
sign-in-signed-out = You have signed out.
email-required = Enter your email address.
email-invalid = Enter an email address such as name@example.com.
password-required = Enter your password.

home-title = Home
home-welcome = Welcome, { $name }
home-store-empty = No customers or orders yet. They will appear here.
home-all-stores = All stores

store-team = Team
store-team-empty = No staff in this store yet.

password-title = Change your password
password-required-notice = You signed in with a one-time password. Choose your own password to continue.
password-hint = At least 12 characters. A few unrelated words make a good password.
password-submit = Save password
password-current-wrong = This is not your current password.
password-too-short = Use at least { $min } characters.
password-too-long = Use at most 128 characters.
password-mismatch = The two new passwords are not the same.
password-unchanged = Choose a password different from the current one.

error-status = Status
error-home = Back to the start page
error-bad-request-title = Something in the request is not right
error-bad-request = The page could not understand what was sent. Go back, check the form and try again.
error-forbidden-title = Not allowed
error-forbidden = You do not have access to this page, or the form expired. Reload the page and try again.
error-not-found-title = Page not found
error-not-found = There is nothing at this address. It may have moved, or the link may be wrong.
error-method-not-allowed-title = Not possible here
error-method-not-allowed = This page cannot be used that way.
error-too-large-title = Too much data
error-too-large = What was sent is too large.
error-too-many-title = Too many requests
error-too-many = Please wait a moment and try again.
error-unavailable-title = Busy right now
error-unavailable = The system is busy. Nothing was lost; please try again in a moment.
error-unexpected-title = Something went wrong
error-unexpected = An unexpected error happened on our side. It has been logged; please try again.

nav-customers = Customers
error-conflict-title = That cannot be done now
error-conflict = The record changed meanwhile or no longer allows this. Reload the page and try again.
error-gone-title = No longer here
error-gone = This record was removed.

customers-title = Customers
customers-enroll = Enroll a customer
customers-search-label = Find a customer
customers-search-placeholder = Name, email, phone or reference
customers-search = Search
customers-none-found = No customer matches. Check the spelling, or enroll the customer.

customer-new-title = Enroll a customer
customer-duplicates-warning = This customer may already be enrolled. Open the existing record, or confirm that this is a different person.
customer-not-a-duplicate = This is a different person: enroll anyway
customer-enroll-submit = Enroll
field-customer-name = Name
field-phone = Phone
field-channel = Preferred contact
field-marketing-consent = Agrees to receive news and offers
channel-auto = Choose for me
channel-email = Email
channel-phone = Phone call
channel-sms = Text message
channel-none = Do not contact

customer-name-required = Enter the customer's name.
customer-name-too-long = Use at most 120 characters.
customer-contact-required = Enter an email address or a phone number, so we can reach the customer.
phone-invalid = Enter a phone number of 6 to 15 digits, e.g. +44 20 7946 0958.
channel-invalid = Choose one of the listed ways.
channel-needs-email = Email needs an email address.
channel-needs-phone = Calls and text messages need a phone number.
contact-kind-invalid = Choose what kind of contact this was.
text-too-long = Use at most 2000 characters.
rating-required = Choose a rating from 1 to 5.
contact-summary-required = Write a few words about this contact.
preference-text-required = Write the preference.
preference-kind-required = Choose whether it applies to every order or to the next one only.
resolution-required = Write how the complaint was resolved.
erase-confirm-mismatch = Type the customer reference exactly as shown to confirm.

customer-erased-title = Customer erased
customer-erased-text = This customer's personal data was erased. Orders and production records are kept without identity.

merge-title = Merge duplicate records
merge-intro = The record you choose below is merged into { $name }: its measurements, notes and contacts move here, and it stops appearing in searches.
merge-no-candidates = No likely duplicate found. Search for the other record.
merge-submit = Merge into this customer
merge-hint = A merge cannot be undone. It is recorded with your name.

customer-home-store = enrolled at { $store }
customer-take-measurements = Take measurements
customer-measurement-history = Measurement history
customer-export = Export data
customer-merge = Merge duplicate

preferences-title = Preferences and notes
preferences-none = No preferences yet.
preference-standing = Every order
preference-one-off = Next order only
preference-pinned = Pinned
preference-pin = Pin
preference-unpin = Unpin
preference-drop = Drop
preference-add = Add a preference or note
preference-placeholder = e.g. prefers a relaxed fit
preference-kind = Applies to
preference-save = Add

measurements-latest = Latest measurements, { $date }
consent-title = Marketing and contact
consent-given = Agreed to receive news and offers.
consent-none = No marketing: the customer has not agreed to it.
consent-changed = changed { $date }
consent-save = Save

contact-log-title = Log a contact
contact-kind = Kind
contact-visit = Visit
contact-call = Call
contact-message = Message
contact-complaint = Complaint
contact-feedback = Feedback
contact-measurements = Measurements
contact-rating = Rating (feedback)
contact-summary = What happened
contact-save = Log

timeline-title = Timeline
timeline-empty = Nothing yet. Measurements, contacts and orders will appear here, newest first.
timeline-measurements = { $count } measurements taken
timeline-measurements-self = { $count } measurements, measured by the customer
rating-of-five = { $rating } of 5
complaint-open = Open
complaint-resolution = How was it resolved?
complaint-resolve = Resolve
complaint-resolved = Resolved

erase-title = Erase this customer
erase-text = Removes name, contact details, notes, contacts and measurements for good. Orders and production records stay, without identity.
erase-confirm = Type { $reference } to confirm
erase-submit = Erase personal data

measurements-new-title = Take measurements
measurements-units = Units
measurements-check-title = Please check these values
measurements-check-text = They are unusual but possible. Re-measure if in doubt; if they are right, confirm them.
measurements-confirm-save = Values are right: confirm and save
measurements-how = How to measure
measurements-self-measured = Measured by the customer
measurements-save = Save measurements
measurements-empty = Enter at least one measurement.
measurements-history-title = Measurement history
measurements-none = No measurements yet.
measurements-date = Date
measurements-confirmed = Confirmed warnings
measurements-self = self-measured

nav-catalogs = Catalogs
catalogs-title = Catalogs
catalogs-none = No catalog is loaded yet.
catalog-code = Catalog
catalog-version = Version
catalog-revision = Revision
catalog-file = File name
catalog-imported-at = Imported
catalog-current = current
catalog-import-title = Import a catalog
catalog-import-hint = A catalog is a TOML file. It is checked before it is stored: unknown options or values, expressions that do not parse, values that can never be chosen, and products no typical customer could order are refused with the place of the mistake. Importing a changed catalog makes a new revision; orders keep the revision they were made with.
catalog-file-pick = Choose a file
catalog-source = Catalog text (TOML)
catalog-import-submit = Check and import
catalog-refused = The catalog was not imported:
catalog-source-required = Choose a file or paste the catalog text.
catalog-source-too-large = The catalog is larger than 1 MB.
catalog-imported = Imported { $version }.
catalog-unchanged = Nothing changed: { $version } already has exactly this text.
catalog-coverage = Coverage report
catalog-options = { $count } options
catalog-rules = { $count } rules
catalog-derived = { $count } derived values
coverage-title = Coverage report
coverage-intro = The catalog run over the ANSUR II anthropometric survey (6,068 adults): for how many real people of each sex a valid configuration exists, which sizes they get, and which measurements exclude the rest. A gap here is found before a customer finds it.
coverage-sampled = A quick look: every { $every }th person of the survey.

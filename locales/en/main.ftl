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

"""Spoken guidance: what each screen is for, in a few plain sentences, by screen name.

Every screen of the App has an entry, so that switching spoken guidance on helps on every
screen, including new ones (a test fails for a screen without one, or without its Kiswahili).
A presenter says its screen's entry through :meth:`screens.base.Presenter.spoken`, in the
session's language; a presenter may add to it (the name it shows, say) by overriding that.
Words here name buttons by their words on the screen, never by colour or by place alone.
"""
from __future__ import annotations

from kiosk_app.i18n import N_

SPOKEN: dict[str, str] = {
    "attract": N_("Welcome to Huduma Kiosk, government services in one place. Touch the screen "
                  "to start, or touch English or Kiswahili to choose your language. Large "
                  "text, high contrast and reading aloud can be switched on here."),
    "home": N_("What would you like to do? You can apply for a service, check an application "
               "you made before, or take a queue ticket to be served at a counter. Touch "
               "Finish when you are done."),
    "identify": N_("Who is applying? Put your ID card or passport on the card reader. If you "
                   "have no card here, touch Type my details instead."),
    "card_unlock": N_("To open your card, type the document number, your date of birth and "
                      "the card's expiry date, exactly as they are printed on the card. Then "
                      "touch Read my card."),
    "card_reading": N_("Your card is being read. Please leave it on the reader until we say."),
    "identity_confirm": N_("Is this you? If the name and photo on the screen are yours, touch "
                           "Yes, this is me. If not, touch No, this is not me."),
    "typed_identity": N_("Type your full name, your ID number and your date of birth, then "
                         "touch Continue."),
    "unavailable": N_("This service is not available at this kiosk yet. Please ask at the "
                      "counter, where staff will help you. Touch Back to go back."),
    "catalogue": N_("Choose the service you want to apply for. Each service shows its fee "
                    "and what you need to bring."),
    "form": N_("Fill in the details the service asks for. Each box says what it needs. When "
               "you are done, go on to check your answers."),
    "review": N_("Check your answers and the fees. If everything is right, go on. If "
                 "something is wrong, go back and change it."),
    "payment": N_("Pay with M-Pesa. Type the phone number that will pay. A request to pay "
                  "will come to that phone: enter your M-Pesa PIN there."),
    "submitting": N_("Your application is being sent. Please wait."),
    "receipt": N_("Your application has been received. Take your receipt: it has your "
                  "reference, which is also shown on the screen. Keep it to check your "
                  "application later."),
    "feedback": N_("How was the service today? Please choose a rating."),
    "thank_you": N_("Thank you for using Huduma Kiosk. Goodbye."),
    "status_check": N_("To see how your application is going, show the QR code on your "
                       "receipt to the scanner, or type the reference from your receipt."),
    "queue_ticket": N_("Take a queue ticket to be served at a counter. Please wait until your "
                       "number is called."),
}

TIME_WARNING = N_("Do you need more time? This session will end soon, and what you entered "
                  "will be cleared. To go on, touch I need more time.")
"""Said when the time-limit warning appears."""
NAME_ON_CARD = N_("The name read from the card is {name}.")
"""Said on the "is this you?" screen only, the one that shows the name."""

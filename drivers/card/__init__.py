"""Smart-card readers (PC/SC) and the cards in them."""

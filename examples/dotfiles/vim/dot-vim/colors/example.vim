" a colour scheme
hi clear

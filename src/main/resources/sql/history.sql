select direction, text
  from (select id, direction, text
          from messages
         where conversation_id = :#AtendeConversationId
           and ((direction = 'in' and kind = 'text' and status in ('answered', 'fallback'))
             or (direction = 'out' and kind = 'answer' and status in ('ready', 'sending', 'sent')))
         order by id desc
         limit cast(:#AtendeHistoryTurns as integer)) recent
 order by id

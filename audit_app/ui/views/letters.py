import streamlit as st

st.title("letters")
st.info("Coming soon")
